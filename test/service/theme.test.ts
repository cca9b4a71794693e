/** Contrast arithmetic and the themes: no branding colour can break 4.5:1 (7:1 in high contrast). */
import fc from 'fast-check';
import { contrast, legibleOn, luminance, textOn } from '../../service/theme/contrast';
import { palette, themeCss, THEMES } from '../../service/theme/palette';

test('WCAG contrast of known pairs', () => {
  expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
  expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  expect(luminance('#fff')).toBe(1);
  expect(() => luminance('red')).toThrow();
});

test('text on a colour: white when it reads (Rocket.Chat buttons), else the better of black and white', () => {
  expect(textOn('#156ff5')).toBe('#ffffff');
  expect(textOn('#1d74f5')).toBe('#000000'); // white on it is only 4.3:1
  expect(textOn('#ffff00')).toBe('#000000');
});

const hex = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map((rgb) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`);

test('for any branding colour, every theme keeps text, button, links and focus ring readable', () => {
  fc.assert(
    fc.property(hex, (brand) => {
      for (const theme of THEMES) {
        const p = palette(theme, brand);
        const need = theme === 'high-contrast' ? 7 : 4.5;
        expect(contrast(p.primary, p.onPrimary)).toBeGreaterThanOrEqual(need);
        expect(contrast(p.accent, p.card)).toBeGreaterThanOrEqual(need);
        for (const text of [p.text, p.strong, p.muted, p.danger]) expect(contrast(text, p.card)).toBeGreaterThanOrEqual(need);
        expect(contrast(p.stroke, p.card)).toBeGreaterThanOrEqual(3); // input borders, WCAG 1.4.11
        if (theme !== 'high-contrast') expect(p.primary).toBe(brand); // branding wins where it can
      }
    }),
    { seed: 11, numRuns: 300 },
  );
});

test('legibleOn keeps the hue and only moves as far as needed', () => {
  expect(legibleOn('#156ff5', '#ffffff', 4.5)).toBe('#156ff5');
  const onDark = legibleOn('#156ff5', '#262931', 4.5);
  expect(contrast(onDark, '#262931')).toBeGreaterThanOrEqual(4.5);
  expect(contrast(onDark, '#262931')).toBeLessThan(6);
});

test('the CSS follows the media preferences unless a theme parameter is given', () => {
  const css = themeCss('#156ff5');
  expect(css).toContain('@media (prefers-color-scheme: dark) { :root:not([data-theme])');
  expect(css).toContain('@media (prefers-contrast: more) { :root:not([data-theme])');
  expect(css).toContain(':root[data-theme="dark"]');
  expect(css).toContain(':root[data-theme="high-contrast"]');
  expect(css).toContain('--primary: #156ff5');
});
