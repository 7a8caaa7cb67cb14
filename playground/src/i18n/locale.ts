/** The page's languages, and which one a browser asks for. */

/** The page's languages. */
export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];

/** Where the user's choice is remembered (localStorage). */
export const LOCALE_STORAGE_KEY = 'rnnkit-playground-locale';

/**
 * The locale for the browser's preferred languages (navigator.languages): the first
 * Chinese (zh, zh-CN, zh-TW, zh-Hans…) or English (en…) one decides; neither means English.
 */
export function localeFor(languages: readonly string[]): Locale {
  for (const language of languages) {
    const tag = language.toLowerCase();
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}
