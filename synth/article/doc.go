// Package article holds Loa's domain types: an article's status, manifest,
// versions and public state, listings and feed pages, timings, plans,
// lifecycle events, submissions and the sentinel errors of the service
// layer. It imports only the standard library, so that the HTTP layer and
// the pages depend on what an article is, not on the service that stores
// and renders it.
package article
