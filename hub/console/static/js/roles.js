// Which pages and buttons each role gets; mirrors hub/api/policy.py (the API enforces it anyway).

const PAGES = {
  board: ["security", "property_manager", "admin"],
  search: ["security", "property_manager", "police", "admin"],
  enterprises: ["property_manager", "admin"],
  gateways: ["security", "property_manager", "admin"],
};

const ACTIONS = {
  actOnAlarms: ["security", "admin"],
  viewMedia: ["security", "police", "admin"],
};

/** The pages `role` may open, in navigation order. */
export function pagesFor(role) {
  return Object.keys(PAGES).filter((page) => PAGES[page].includes(role));
}

/** Whether `role` may do `action` (actOnAlarms, viewMedia). */
export function may(role, action) {
  return (ACTIONS[action] ?? []).includes(role);
}
