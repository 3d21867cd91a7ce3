//! Pages' limits, checked before anything is uploaded: a file over 25 MiB, a site over the
//! upload token's file limit.

use crate::support::cloudflare::faults::Endpoint;
use crate::support::pages::{PROJECT, PagesProject, VERSION_GATES};
use crate::support::{EXIT_FAILED, Run};

fn refused_before_any_upload(project: &PagesProject, run: &Run, reason: &str) {
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    assert!(
        run.all().contains(reason),
        "the reason says `{reason}`: {}",
        run.all()
    );
    assert!(run.all().contains("nothing was changed"), "{}", run.all());
    let counters = project.emulator.counters();
    assert_eq!(counters.requests_to(Endpoint::Upload), 0);
    assert!(project.emulator.deployments(PROJECT).is_empty());
}

#[test]
fn a_26_mib_file_is_refused_before_any_upload_naming_it() {
    let project = PagesProject::new();
    project.write("version.txt", "v1");
    let big = std::fs::File::create(project.site().join("video.mp4")).unwrap();
    big.set_len(26 * 1024 * 1024).unwrap();
    project.plan("", VERSION_GATES);

    let run = project.apply("v1", &[]);

    refused_before_any_upload(
        &project,
        &run,
        "/site/video.mp4 is 26.0 MiB: Pages accepts files up to 25.0 MiB",
    );
    assert_eq!(
        project
            .emulator
            .counters()
            .requests_to(Endpoint::UploadToken),
        0,
        "refused before asking the API anything"
    );
}

#[test]
fn a_site_over_the_tokens_file_limit_is_refused_before_any_upload_saying_how_many() {
    let project = PagesProject::new();
    project.emulator.set_max_files(5);
    for i in 0..6 {
        project.write(&format!("{i}.txt"), format!("{i}"));
    }
    project.plan("", VERSION_GATES);

    let run = project.apply("v1", &[]);

    refused_before_any_upload(
        &project,
        &run,
        "/site holds 6 files: Pages accepts at most 5 in one deployment",
    );
}
