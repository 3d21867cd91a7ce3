"""lambda-function: a new version of an AWS Lambda function's code, published beside the live one
and reached through an alias whose routing config is the canary, written in Python with
sluice_sdk.

`prepare` checks the function exists and notes which version the alias serves. `stage` zips the
granted `source` directory and publishes it as a new version (or reuses the live one when the
zip's sha256 equals its `CodeSha256`: nothing is uploaded). `shift(p)` below 100 leaves the alias
on the live version and sends p% of the calls to the new one (`AdditionalVersionWeights`);
`shift(100)` points the alias at the new version alone (creating the alias on a first deploy).
`rollback` points the alias back, with no weights, and deletes the version it published.
"""

from dataclasses import dataclass
from typing import Optional

import sluice_sdk
from sluice_sdk import Change, ChangeAction, Failed, Feature, Staged, log, state

from bundle import Bundle
from config import SCHEMA, Config
from lambda_api import Lambda


@dataclass
class Release:
    """The staged state, and the `current` state once finalized."""

    version: str
    previous: Optional[str]
    published: bool


@dataclass
class Snapshot:
    """The version the alias served when the deployment began (None: no alias yet)."""

    version: Optional[str]


def live_version(api: Lambda) -> Optional[str]:
    """The version the alias serves, None when there is no alias."""
    alias = api.alias()
    return alias["FunctionVersion"] if alias else None


class LambdaFunction(sluice_sdk.Strategy):
    name = "lambda-function"
    version = "0.1.0"
    description = (
        "Publishes a new version of an AWS Lambda function's code and moves an alias to it, "
        "with weighted routing for canary steps."
    )
    config_schema = SCHEMA
    config_type = Config
    features = (Feature.ROLLBACK, Feature.TRAFFIC_SHIFT, Feature.PLAN)

    def validate(self, config: Config):
        return config.problems()

    def plan(self, ctx, config: Config, current):
        return [Change(
            ChangeAction.UPDATE, f"lambda:{config.function}:{config.alias}",
            f"publish {config.source} as a new version and move alias {config.alias} to it",
        )]

    def prepare(self, ctx, config: Config, current):
        api = Lambda(config)
        api.version("$LATEST")
        return state.dump(Snapshot(live_version(api)))

    def stage(self, ctx, config: Config, current):
        api = Lambda(config)
        bundle = Bundle(config.source)
        previous = live_version(api)
        if previous is not None and api.version(previous).get("CodeSha256") == bundle.sha256:
            summary = f"code unchanged ({bundle.files} files): version {previous} is live already"
            release = Release(previous, previous, published=False)
        else:
            version = api.publish(bundle.data)["Version"]
            summary = f"published version {version} of {config.function}: {bundle.files} files, {len(bundle.data)} bytes"
            release = Release(version, previous, published=True)
        log.info(summary)
        return Staged(state=state.dump(release), endpoints=[], summary=summary)

    def shift(self, ctx, config: Config, staged, percent):
        release = state.load("staged state", staged, Release)
        api = Lambda(config)
        if percent >= 100:
            if release.previous is None and api.alias() is None:
                api.create_alias(release.version)
            else:
                api.point_alias(release.version)
            log.info(f"alias {config.alias} -> version {release.version}")
        elif release.previous is None or release.previous == release.version:
            log.debug(f"nothing else is live: {percent}% changes nothing")
        else:
            api.point_alias(release.previous, release.version, percent / 100)
            log.info(f"alias {config.alias}: version {release.previous}, {percent}% to version {release.version}")

    def finalize(self, ctx, config: Config, staged):
        release = state.load("staged state", staged, Release)
        live = live_version(Lambda(config))
        if live != release.version:
            raise Failed(f"alias {config.alias} serves version {live}, not the staged {release.version}")
        return staged

    def rollback(self, ctx, config: Config, staged, snapshot, current):
        api = Lambda(config)
        if current is not None:
            wanted = state.load("current state", current, Release).version
        elif snapshot is not None:
            wanted = state.load("snapshot", snapshot, Snapshot).version
        else:
            wanted = None
        alias = api.alias()
        if wanted is None:
            if alias is not None:
                api.delete_alias()
                log.info(f"nothing was live before: deleted alias {config.alias}")
        else:
            api.point_alias(wanted)
            log.info(f"alias {config.alias} -> version {wanted}")
        if staged is not None:
            release = state.load("staged state", staged, Release)
            if release.published and release.version != wanted:
                api.delete_version(release.version)


Strategy = sluice_sdk.export(LambdaFunction)
