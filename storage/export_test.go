package storage

// AllowConditionalMultipart makes s send conditional puts larger than its
// part size as multipart uploads, to test whether a server checks
// conditions when an upload completes.
func AllowConditionalMultipart(s Store) {
	s.(*S3Store).conditionalMultipart = true
}
