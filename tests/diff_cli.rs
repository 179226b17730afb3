#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `tariffc diff` exit codes beyond the data cases: usage errors are 2, not 1.

use assert_cmd::Command;

#[test]
fn a_missing_file_is_exit_2() {
    let gym = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/gym.json");
    Command::cargo_bin("tariffc")
        .unwrap()
        .args(["diff", gym, "no-such-file.json", "--check"])
        .assert()
        .code(2);
}

#[test]
fn both_sides_from_stdin_is_exit_2() {
    Command::cargo_bin("tariffc")
        .unwrap()
        .args(["diff", "-", "-"])
        .write_stdin("{}")
        .assert()
        .code(2);
}

#[test]
fn a_document_against_itself_passes_the_check() {
    let gym = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/gym.json");
    Command::cargo_bin("tariffc")
        .unwrap()
        .args(["diff", gym, gym, "--check"])
        .assert()
        .success()
        .stdout("no changes (1 plan)\n");
}
