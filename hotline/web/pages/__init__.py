"""The console: server-rendered pages for agents, dispatchers, quality staff and supervisors."""
