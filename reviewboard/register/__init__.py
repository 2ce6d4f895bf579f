"""The public register of certified systems (issue 12, part 6): opt-in per system by a chair, off for the whole
organisation with PUBLIC_REGISTER = False."""
