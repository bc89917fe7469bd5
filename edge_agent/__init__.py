"""The edge agent: runs on a site gateway, turns sources into events, delivers them."""
