"""Who is who: staff accounts and tokens, portal sign-in, throttles and applicants' answer secrets."""
