// One catalogue per language (i18n/<lang>.json); a missing key falls back to English,
// then to the key itself, so a gap shows up in the page rather than breaking it.
import en from './i18n/en.json' with { type: 'json' };
import zh from './i18n/zh.json' with { type: 'json' };

export const CATALOGUES = { en, zh };
export const LANGUAGES = Object.keys(CATALOGUES);
const STORED = 'homemind.language';

export function translator(language) {
  const own = CATALOGUES[language] || en;
  return (key, params = {}) => {
    const text = own[key] ?? en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  };
}

/** A home name ({en, zh}) in the reader's language, else any it has. */
export function pick(names, language) {
  if (!names) return '';
  return names[language] || names.en || Object.values(names)[0] || '';
}

/** The language chosen on this device, if any; otherwise the member's own is followed. */
export function storedLanguage() {
  const value = localStorage.getItem(STORED);
  return LANGUAGES.includes(value) ? value : null;
}

export function storeLanguage(language) {
  localStorage.setItem(STORED, language);
}
