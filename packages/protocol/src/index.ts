export const PACKAGE = '@osgit/protocol';
