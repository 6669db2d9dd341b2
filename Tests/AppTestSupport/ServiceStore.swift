import EventStore

/// A service's SQLite store, as a test opens it beside the service to look at what a request or
/// a reaction wrote (and to seed what no request makes).
public typealias ServiceStore = EventStoreDatabase
