"""Receipts of the organisation, shared by the sections that issue them (donations,
campaign backings): their printable form. Numbers come from one gap-free yearly series,
`api.donation.service.next_receipt_number`."""
