"""Open data: the public register as datasets under CC BY 4.0, described for the national
open-data portal (DCAT-AP_IT, JSON-LD) and dumped whole every night."""
