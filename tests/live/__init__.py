"""Live tests: our shipped Asterisk configuration (`ivr/asterisk/`) on a real Asterisk 22, phones
and callers played by sipp, and `hotline serve` connected to it over AMI and FastAGI."""
