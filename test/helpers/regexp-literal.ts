/** `text` escaped for use inside a RegExp, so it matches itself and nothing else. */
export const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
