/** Whether apps/web/dist is newer than every source it is built from. */
export function webBuildIsCurrent(): boolean;
/** Builds the web app unless the build is current (or always, with force); true when it built. */
export function ensureWebBuild(options?: { force?: boolean }): Promise<boolean>;
