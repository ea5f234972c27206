export const PACKAGE = '@osgit/deployer';
