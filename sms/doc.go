// Package sms sends the citizen notifications that muster queues in its
// outbox: a Worker drains an Outbox through a Provider, with retries,
// exponential backoff and a dead-letter state, and the package holds the
// providers themselves (a JSON-lines file for the demo, Africa's Talking,
// and RapidPro/courier's external channel) and the parsers of their
// delivery reports.
//
// The package imports no database and serves no HTTP: the Outbox is an
// interface that the SQL store implements (the same transaction that
// changes an order inserts its message), and the HTTP API decodes delivery
// report callbacks with ParseATDeliveryReport and ParseCourierStatus and
// hands them to Outbox.Delivered. Its only network traffic is the
// providers' outgoing requests. MemOutbox is an Outbox in memory, for
// tests and tools; package smstest is the conformance test that every
// Outbox, in memory or SQL, must pass.
//
// # Delivery guarantees
//
// The provider call cannot share a transaction with the outbox, so
// exactly-once sending is impossible in general; the worker does the best
// practical thing:
//
//   - Leases keep two workers from sending the same message at the same
//     time. Claim leases a batch for Worker.Lease; a worker sends a message
//     only if the send, bounded by Worker.SendTimeout, ends a tenth of the
//     lease before the lease does, so another worker can only pick a
//     message up after every send of it has finished or been abandoned,
//     even if the servers' clocks differ by a little less than that tenth.
//     A crashed worker's messages come back when its lease runs out.
//   - A message marked Sent is never claimed again, and a late Retry or
//     Dead from a slow worker cannot undo a Sent.
//   - The window between the provider's acceptance and Outbox.Sent is kept
//     as small as it can be: each message is recorded the moment its send
//     returns, not at the end of the batch, and a failed Sent write is tried
//     again a few times within the lease. A crash inside that window, or a
//     failure that leaves it unknown whether the provider accepted the
//     message (a timeout after the request went out, an unreadable 2xx
//     answer), makes the message go out again on the next attempt.
//   - Every attempt of a message carries the same client reference, its
//     outbox ID, to providers whose API takes one: courier's external
//     channel gets it as {{id}}, so a gateway can drop repeats. Africa's
//     Talking's bulk SMS API has no idempotency key, so through it an
//     ambiguous failure can make a citizen receive the same text twice.
//     muster prefers that to losing a call-up: the message is retried.
//
// Errors from a Provider are temporary unless wrapped with Permanent:
// network errors, timeouts, 5xx and 429 answers are retried with backoff
// until Worker.MaxAttempts, then dead-lettered; invalid numbers, rejected
// credentials and other 4xx answers are dead-lettered at once. No error or
// log line of this package holds a phone number, a message text or an API
// key: reasons are stored in the outbox, which officers read.
package sms
