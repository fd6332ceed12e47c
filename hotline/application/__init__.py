"""The use cases: each opens its transaction, loads what it needs, applies the rule book through
the services, commits, and only then announces what happened on the event bus — from one place,
`unit.unit_of_work` (`unit.announce_now` for what happens outside our database). The web routes
and pages, the IVR scripts, the scheduler, the CLI and the demo call these and never open a
write transaction or publish themselves."""
