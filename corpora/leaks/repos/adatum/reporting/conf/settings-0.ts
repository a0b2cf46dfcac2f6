export const AUTH_TOKEN: string = "Fe99vglMWJWB9g6EM33pFSIIDDbahnz9qvZQ3";
