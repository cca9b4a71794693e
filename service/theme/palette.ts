/**
 * The page's three themes, close to Rocket.Chat's Fuselage tokens (surface, font and stroke
 * groups of its light, dark and high-contrast themes) so the iframe does not look foreign.
 * The branding colour fills the primary button in every theme; text on it, links and focus
 * rings are derived from it so that no branding colour can break contrast.
 */
import { contrast, legibleOn, textOn, toHex, parseHex } from './contrast';

export const THEMES = ['light', 'dark', 'high-contrast'] as const;
export type ThemeName = (typeof THEMES)[number];

interface Base {
  /** page background (surface tint) */ bg: string;
  /** card (surface light) */ card: string;
  /** body text (font default) */ text: string;
  /** headings and labels (font titles-labels) */ strong: string;
  /** secondary text (font hint) */ muted: string;
  /** input borders: at least 3:1 on the card (WCAG 1.4.11) */ stroke: string;
  /** error text and marker (font danger) */ danger: string;
  /** how much contrast links and focus rings need against the card */ accentRatio: number;
  /** how much contrast the button's text needs */ buttonRatio: number;
}

const BASES: Record<ThemeName, Base> = {
  light: { bg: '#f7f8fa', card: '#ffffff', text: '#2f343d', strong: '#1f2329', muted: '#6c737a', stroke: '#868b93', danger: '#d40c26', accentRatio: 4.5, buttonRatio: 4.5 },
  dark: { bg: '#1f2329', card: '#262931', text: '#c1c7d0', strong: '#f2f3f5', muted: '#9ea2a8', stroke: '#7b818a', danger: '#f08b98', accentRatio: 4.5, buttonRatio: 4.5 },
  'high-contrast': { bg: '#ffffff', card: '#ffffff', text: '#1f2329', strong: '#000000', muted: '#1f2329', stroke: '#1f2329', danger: '#9b1325', accentRatio: 7, buttonRatio: 7 },
};

export type Palette = Omit<Base, 'accentRatio' | 'buttonRatio'> & { primary: string; onPrimary: string; accent: string };

/**
 * One theme's colours. The button keeps the branding colour whenever black or white text on it
 * reaches the theme's ratio (always true at 4.5:1); the high-contrast theme, asking 7:1,
 * deepens it when needed — there the user's need outranks the brand.
 */
export function palette(theme: ThemeName, brand: string): Palette {
  const { accentRatio, buttonRatio, ...base } = BASES[theme];
  const brandHex = toHex(parseHex(brand));
  const primary = contrast(brandHex, textOn(brandHex, buttonRatio)) >= buttonRatio ? brandHex : legibleOn(brandHex, '#ffffff', buttonRatio);
  return { ...base, primary, onPrimary: textOn(primary, buttonRatio), accent: legibleOn(brandHex, base.card, accentRatio) };
}

const cssCache = new Map<string, string>();

function declarations(p: Palette): string {
  return [
    `--bg: ${p.bg}`,
    `--card: ${p.card}`,
    `--text: ${p.text}`,
    `--strong: ${p.strong}`,
    `--muted: ${p.muted}`,
    `--stroke: ${p.stroke}`,
    `--danger: ${p.danger}`,
    `--primary: ${p.primary}`,
    `--on-primary: ${p.onPrimary}`,
    `--accent: ${p.accent}`,
  ].join('; ');
}

/**
 * The custom properties of every theme: light by default, the user's dark or more-contrast
 * preference when no `theme` parameter is given, the parameter (data-theme) when it is.
 * Built only from validated hex colours, so it is safe to put into the page unescaped.
 */
export function themeCss(brand: string): string {
  let css = cssCache.get(brand);
  if (!css) {
    const [light, dark, high] = THEMES.map((theme) => declarations(palette(theme, brand)));
    css = [
      `:root { color-scheme: light; ${light}; --stroke-width: 1px; }`,
      `@media (prefers-color-scheme: dark) { :root:not([data-theme]) { color-scheme: dark; ${dark}; } }`,
      `@media (prefers-contrast: more) { :root:not([data-theme]) { color-scheme: light; ${high}; --stroke-width: 2px; } }`,
      `:root[data-theme="dark"] { color-scheme: dark; ${dark}; }`,
      `:root[data-theme="high-contrast"] { color-scheme: light; ${high}; --stroke-width: 2px; }`,
    ].join('\n  ');
    cssCache.set(brand, css);
  }
  return css;
}
