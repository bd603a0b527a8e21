// Package order is the pure domain of call-up and requisition orders: what
// an order holds and the rules it must meet, its lifecycle as one state
// machine with role checks, its event history and the replay that checks
// it, its short typable code, and the compensation it earns. It must not
// import a database, a transport or any cryptography beyond crypto/rand
// for identifiers and codes: signing, storing and logging orders happen at
// the edges (see DESIGN.md, "Order lifecycle").
//
// # Lifecycle
//
// Transition is the lifecycle. Each row below is one legal transition; any
// other (state, event) pair is a Conflict. "who" is the roles that may
// cause the event and, after "not", the parties of the order who may not
// even with that role. LIFECYCLE.md explains the choices; both documents
// are generated from the table in the code and a test keeps them equal.
//
//	| from           | event        | to             | kind        | who                                                   |
//	| -------------- | ------------ | -------------- | ----------- | ----------------------------------------------------- |
//	| (none)         | draft        | draft          | any         | officer                                               |
//	| draft          | approve      | approved       | any         | approver, not the drafter                             |
//	| approved       | issue        | issued         | any         | system                                                |
//	| issued         | notify       | notified       | any         | system or officer                                     |
//	| notified       | acknowledge  | acknowledged   | any         | addressee                                             |
//	| notified       | claim        | claimed        | any         | addressee                                             |
//	| acknowledged   | claim        | claimed        | any         | addressee                                             |
//	| claimed        | exempt       | exempted       | any         | reviewer, not the drafter or approver                 |
//	| claimed        | defer        | deferred       | any         | reviewer, not the drafter or approver                 |
//	| claimed        | reject_claim | claim_rejected | any         | reviewer, not the drafter or approver                 |
//	| claim_rejected | appeal       | appealed       | any         | addressee                                             |
//	| deferred       | appeal       | appealed       | any         | addressee                                             |
//	| appealed       | uphold       | upheld         | any         | reviewer, not the drafter, approver or claim reviewer |
//	| appealed       | dismiss      | dismissed      | any         | reviewer, not the drafter, approver or claim reviewer |
//	| notified       | fulfil       | fulfilled      | any         | officer                                               |
//	| acknowledged   | fulfil       | fulfilled      | any         | officer                                               |
//	| claim_rejected | fulfil       | fulfilled      | any         | officer                                               |
//	| deferred       | fulfil       | fulfilled      | any         | officer                                               |
//	| dismissed      | fulfil       | fulfilled      | any         | officer                                               |
//	| fulfilled      | return       | returned       | requisition | officer                                               |
//	| fulfilled      | release      | released       | any         | officer                                               |
//	| returned       | compensate   | compensated    | any         | treasurer                                             |
//	| released       | compensate   | compensated    | any         | treasurer                                             |
//	| compensated    | close        | closed         | any         | officer or system                                     |
//	| draft          | cancel       | cancelled      | any         | officer or approver                                   |
//	| approved       | cancel       | cancelled      | any         | officer or approver                                   |
//	| issued         | cancel       | cancelled      | any         | officer or approver                                   |
//	| notified       | cancel       | cancelled      | any         | officer or approver                                   |
//	| acknowledged   | cancel       | cancelled      | any         | officer or approver                                   |
//	| claimed        | cancel       | cancelled      | any         | officer or approver                                   |
//	| claim_rejected | cancel       | cancelled      | any         | officer or approver                                   |
//	| deferred       | cancel       | cancelled      | any         | officer or approver                                   |
//	| appealed       | cancel       | cancelled      | any         | officer or approver                                   |
//	| dismissed      | cancel       | cancelled      | any         | officer or approver                                   |
package order
