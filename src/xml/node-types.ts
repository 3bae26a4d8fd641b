/**
 * The DOM's node type numbers (Node.ELEMENT_NODE…), as the xmldom DOM, the compact tree's view and
 * the `xpath` package give them: named once here, for code that tells nodes apart without a `Node`
 * global (Node 20 has none) to read them from.
 */
export const ELEMENT = 1;
export const ATTRIBUTE = 2;
export const TEXT = 3;
export const CDATA = 4;
export const PI = 7;
export const COMMENT = 8;
export const DOCUMENT = 9;
export const FRAGMENT = 11;
