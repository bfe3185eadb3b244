/** pinbox's own version, sent in the `pinterest-version` header of every response. */
export const PINBOX_VERSION = '0.1.0';
