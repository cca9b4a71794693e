/** WCAG 2.x relative luminance and contrast ratio, and the small colour moves built on them. */

export type Rgb = [number, number, number];

const HEX = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

export function parseHex(hex: string): Rgb {
  if (!HEX.test(hex)) throw new Error(`not a #rgb or #rrggbb colour: ${hex}`);
  const full = hex.length === 4 ? hex.slice(1).replace(/./g, (c) => c + c) : hex.slice(1);
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as Rgb;
}

export function toHex(rgb: Rgb): string {
  return `#${rgb.map((c) => Math.round(Math.min(255, Math.max(0, c))).toString(16).padStart(2, '0')).join('')}`;
}

export function luminance(hex: string): number {
  const [r, g, b] = parseHex(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high + 0.05) / (low + 0.05);
}

/**
 * White text on `background` when it reaches `ratio` (Rocket.Chat's buttons carry white text),
 * else black or white, whichever contrasts more. One of the two always reaches at least
 * 4.58:1, so no branding colour can leave a button unreadable.
 */
export function textOn(background: string, ratio = 4.5): '#ffffff' | '#000000' {
  const white = contrast(background, '#ffffff');
  return white >= ratio || white >= contrast(background, '#000000') ? '#ffffff' : '#000000';
}

/**
 * `color` itself when it already reaches `ratio` against `background`; otherwise the same
 * hue mixed step by step towards black (on light backgrounds) or white (on dark ones) until
 * it does. Keeps a brand's hue for links and focus rings instead of dropping it.
 */
export function legibleOn(color: string, background: string, ratio: number): string {
  if (contrast(color, background) >= ratio) return toHex(parseHex(color));
  const target: Rgb = luminance(background) > 0.18 ? [0, 0, 0] : [255, 255, 255];
  const start = parseHex(color);
  for (let step = 1; step <= 20; step += 1) {
    const mixed = start.map((c, i) => c + ((target[i] - c) * step) / 20) as Rgb;
    const hex = toHex(mixed);
    if (contrast(hex, background) >= ratio) return hex;
  }
  return toHex(target);
}
