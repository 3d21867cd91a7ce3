// Pure logic, tested without wasm (`npm test`): no host call here. JavaScript, with its types
// in naming.d.ts, so that Node runs the test as it is.

/** The release directory for `version`: the version itself, when it can name a directory. */
export function releaseName(version) {
  const unfit =
    version === "" ||
    version.startsWith(".") ||
    /[/\\]/.test(version) ||
    /[\u0000-\u001f\u007f]/.test(version); // control characters
  if (unfit) throw new Error(`version ${JSON.stringify(version)} cannot name a release directory`);
  return version;
}
