/** @speedrl/maskgit — see README.md. */
export const PACKAGE_NAME = '@speedrl/maskgit';
