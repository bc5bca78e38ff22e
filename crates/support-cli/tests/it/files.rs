//! Attachments through the program: `--blob-dir` keeps the files (across a restart), and
//! `--max-file-mib` bounds them.

use support_testkit::png;

use crate::process::{sigterm_and_wait, start_with};

#[tokio::test]
async fn the_program_keeps_files_in_its_blob_dir_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("support.db").display());
    let blobs = dir.path().join("files");
    let args = ["--blob-dir", blobs.to_str().unwrap(), "--max-file-mib", "1"];
    let http = reqwest::Client::new();
    let picture = png(16, 16, [1, 2, 3]);

    let (child, addr) = start_with(&db, &args);
    let upload = |bytes: Vec<u8>, name: &str, mime: &str| {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(mime)
            .unwrap();
        http.post(format!("http://{addr}/support/attachments/"))
            .bearer_auth("T")
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
    };
    let r = upload(picture.clone(), "a.png", "image/png").await.unwrap();
    assert_eq!(r.status(), 201);
    let attachment: serde_json::Value = r.json().await.unwrap();
    let id = attachment["id"].as_i64().unwrap();
    let r = upload(
        vec![0; 1024 * 1024 + 1],
        "big.bin",
        "application/octet-stream",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 413, "--max-file-mib 1");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["detail"],
        "The file is larger than the limit of 1 MiB."
    );
    // Sent in a message, it is there after a restart: the row in the database, the bytes in
    // the blob directory.
    let r = http
        .post(format!("http://{addr}/support/tickets/"))
        .bearer_auth("T")
        .json(&serde_json::json!({"user_id": 5, "title": "t", "attachments": [{"upload": id}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    sigterm_and_wait(child);
    assert!(blobs.join("sha256").is_dir(), "the files are in --blob-dir");

    let (child, addr) = start_with(&db, &args);
    let r = http
        .get(format!("http://{addr}/support/attachments/{id}/"))
        .bearer_auth("T")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), picture.as_slice());
    sigterm_and_wait(child);
}
