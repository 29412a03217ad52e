"""Invitations: a manager invites a colleague by e-mail with a role; the
colleague chooses a username and password from the mailed link, and can
then log in with that role.

- The link is INVITATION_URL (PUBLIC_ORIGIN/#/invite/<key> by default): the
  key sits in the fragment, which browsers never send, so it reaches no
  access log and no Referer. The key is 256 random bits minted by the worker when it sends the mail
  (mail.py): the task row's arguments hold the invitation's id only, and
  the database holds the key's SHA-256 only. A mail sent again (a passing
  failure of the mail server) carries a new key; the newest works.
- Only a role whose permissions the inviter has can be granted, and an
  invitation never makes staff or a superuser.
- Inviting an address again replaces its open invitation: the old one is
  revoked (a lost mail is sent again that way). An address with an account
  is refused.
- An invitation works for INVITATION_SECONDS, until it is revoked, and once.
- A wrong, expired, revoked or used key gets one answer, whichever it was,
  and counts as a failed log-in without a username (accounts.lockout):
  LOGIN_FAILURE_LIMIT of them lock the client address out of invitation
  keys, and they count towards LOGIN_CLIENT_FAILURE_LIMIT, the address's
  limit for log-ins, as a password guess does.
"""
