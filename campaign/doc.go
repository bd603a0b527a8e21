// Package campaign runs call-up campaigns as verifiable lotteries.
//
// A campaign calls up persons by skill and area quotas. Who is eligible
// (age band, status, exemptions already granted) is decided before the
// campaign by policy; this package receives the eligible list as entries
// that carry only a pseudonymous reference, an area path and skills, and
// decides the order in which they are called so that anyone can check it:
//
//  1. Freeze sorts the entries by reference and computes the RFC 6962
//     Merkle root of their canonical encodings (see FORMAT.md).
//  2. The authority draws a random Seed and logs a CommitStatement: the list
//     root and size, SHA-256 of the seed, the public beacon the draw will mix
//     in (randomness nobody knows yet, such as a later drand round), the
//     targets and the policy version.
//  3. Once the beacon has spoken, Draw ranks every entry by
//     HMAC-SHA256(DrawKey(seed, beacon value), ref) and fills the targets in
//     rank order. The beacon keeps the seed's holder from trying seeds
//     until one suits them.
//  4. The authority logs a RevealStatement: the seed, the beacon's value and
//     a digest of the selection.
//  5. Verify recomputes everything from the published list and the two
//     statements; VerifyEntry proves one person's inclusion and rank from an
//     inclusion proof, without the whole list.
//
// Once the commitment is logged nobody can add, remove, alter or reorder an
// entry, nor choose another seed or beacon, without verification failing.
//
// The package is pure: it holds no personal data and imports no database
// or transport package. It imports area, registry and tlog of muster only
// for their validation rules and the log entry type.
package campaign
