import assert from "node:assert/strict";
import { test } from "node:test";
import { releaseName } from "../src/naming.js";

test("release names are versions and never leave releases/", () => {
  assert.equal(releaseName("v1.2"), "v1.2");
  for (const bad of ["", "..", "../v1", "a/b", ".hidden", "v1\n"]) {
    assert.throws(() => releaseName(bad), /cannot name a release directory/, JSON.stringify(bad));
  }
});
