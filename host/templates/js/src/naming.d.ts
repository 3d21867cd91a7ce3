/** The release directory for `version`: the version itself, when it can name a directory. */
export function releaseName(version: string): string;
