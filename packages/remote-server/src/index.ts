export const PACKAGE = '@osgit/remote-server';
