/** @speedrl/vq-tokenizer — see README.md. */
export const PACKAGE_NAME = '@speedrl/vq-tokenizer';
