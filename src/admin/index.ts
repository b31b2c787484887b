// The admin API's public face: the server, its token helpers and the wire shapes the CLI reads.
export * from './server.js';
export * from './token.js';
export { FILE_APPLY_PATH, FILE_DELETE_PATH, FILES_MEDIA_TYPE } from './config-routes.js';
export type { ApplyResponse, ConfigFile, DeleteResponse } from './config-routes.js';
export type { StatusBody, StatusFailure } from './status.js';
