"""A bench of several hosts on one machine: a throwaway PostgreSQL server and hild processes
sharing it, each with its own mock boards, for the tests that kill and pause hosts."""
