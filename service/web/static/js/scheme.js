// The label scheme (models/scheme.py; a test checks these lists match) and how each label shows.
// Every mark has a text or symbol, never colour alone.

export const ROLES = ["claim", "premise", "none"];
export const STANCES = ["populist", "pluralist", "skeptical", "none"];
export const HEADS = {role: ROLES, stance: STANCES, risk: ["false", "true"]};

export const ROLE_MARK = {claim: "C", premise: "P", none: "·"};
export const STANCE_MARK = {populist: "POP", pluralist: "PLU", skeptical: "SKE", none: ""};
export const RISK_MARK = "⚠ risk";
export const UNSURE_MARK = "?";
export const UNCERTAIN_ABOVE = 0.8;  // the default; the document page has a slider

// Keys shared by the document and the queue (Prodigy's habit: hands stay on the keyboard).
export const KEYS = {
  "1": ["role", "claim"], "2": ["role", "premise"], "3": ["role", "none"],
  "4": ["stance", "populist"], "5": ["stance", "pluralist"], "6": ["stance", "skeptical"], "7": ["stance", "none"],
};
export const KEY_OF = Object.fromEntries(Object.entries(KEYS).map(([k, [head, label]]) => [`${head}:${label}`, k]));

export const sameLabels = (a, b) => a.role === b.role && a.stance === b.stance && a.risk === b.risk;
export const labelsOf = (s) => ({role: s.role, stance: s.stance, risk: Boolean(s.risk)});
export const describe = (l) => `${l.role}, stance ${l.stance}, ${l.risk ? "risk" : "no risk"}`;
