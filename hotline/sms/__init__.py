"""SMS notices over SMPP 3.4: the gateway connection (aiosmpplib) and the sender that feeds it
from the outbox."""
