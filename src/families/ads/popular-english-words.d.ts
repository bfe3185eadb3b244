/** The package ships no types; this is the part of its API pinbox uses. */
declare module 'popular-english-words' {
  export const words: {
    /** Every word, most popular first. */
    getAll(): string[];
  };
}
