// Package storage is Loa's blob store: every article source, manifest,
// audio file, timing file, cached segment and job is an object in a Store
// (small queried records live in the SQL database, package sqldb). One
// machine uses a local folder (LocalStore); a cluster shares one S3 bucket
// (S3Store). Open picks one from a Config; ConfigFromEnv builds the Config
// from the environment.
//
// Configuration read by ConfigFromEnv (cmd passes os.Getenv):
//
//	| env                           | default  | description                                                                 |
//	|-------------------------------|----------|-----------------------------------------------------------------------------|
//	| LOA_STORE                     | (empty)  | file:///abs/path, or s3://BUCKET[/PREFIX]?endpoint=HOST:PORT&region=R&tls=false&path_style=true&create=true&sse=AES256&part_size=N; empty = local folder LOA_DATA_DIR |
//	| LOA_DATA_DIR                  | ./data   | local store folder when LOA_STORE is empty                                  |
//	| AWS_ACCESS_KEY_ID             |          | S3 access key                                                               |
//	| AWS_SECRET_ACCESS_KEY         |          | S3 secret key                                                               |
//	| AWS_SESSION_TOKEN             |          | S3 session token (temporary credentials)                                    |
//	| AWS_ACCESS_KEY_ID_FILE        |          | file holding the access key (used when AWS_ACCESS_KEY_ID is empty)          |
//	| AWS_SECRET_ACCESS_KEY_FILE    |          | file holding the secret key                                                 |
//	| AWS_SESSION_TOKEN_FILE        |          | file holding the session token                                              |
//	| AWS_SHARED_CREDENTIALS_FILE   |          | AWS shared credentials file, used when no key is given above               |
//	| AWS_PROFILE                   | default  | profile to read from AWS_SHARED_CREDENTIALS_FILE                            |
//
// s3:// parameters: endpoint (default s3.amazonaws.com), region, tls
// (default true), path_style (default: decided by the client; true for
// MinIO and most self-hosted servers), create (create the bucket if
// missing), sse (AES256, aws:kms or aws:kms:KEYID), part_size (multipart
// part size in bytes, default 16 MiB, minimum 5 MiB). Unknown parameters
// are an error. A path after the bucket puts every key under that prefix,
// so several installations can share a bucket.
//
// Tests of this package use LOA_TOOLS_DIR (default $HOME/.cache/loa/bin) to
// find the minio and versitygw binaries built by scripts/tools.sh, and
// LOA_TEST_REQUIRE=1 to fail instead of skip when they are missing.
package storage
