/**
 * Reading a Redis ACL user's rules as `ACL LIST` prints them (password hashes already removed by the
 * connector's inventory), for mapping a user to a resource and for turning it into an access level. Pure.
 */

export interface RedisRuleSet {
  keys: string[];
  readKeys: string[];
  writeKeys: string[];
  channels: string[];
  categories: string[];
  commands: string[];
  /** `allkeys` / `~*`: every key. */
  allKeys: boolean;
  /** `allcommands` / `+@all`: every command, ACL administration included. */
  allCommands: boolean;
  /** Flags about the user rather than its access (`nopass`, `sanitize-payload`). */
  flags: string[];
  /** Rules this reader does not model (selectors in parentheses…). */
  other: string[];
}

export function parseRedisRules(rules: string): RedisRuleSet {
  const set: RedisRuleSet = { keys: [], readKeys: [], writeKeys: [], channels: [], categories: [], commands: [], allKeys: false, allCommands: false, flags: [], other: [] };
  // Selectors `( … )` contain spaces; they are kept whole as "other" so their rules are not mistaken for the root's.
  const tokens = rules.match(/\([^)]*\)|\S+/g) ?? [];
  for (const token of tokens) {
    // Resets only clear what came before; ACL LIST prints them first, so they carry no access themselves.
    if (["resetkeys", "resetchannels", "nocommands", "-@all", "reset"].includes(token)) continue;
    if (["nopass", "sanitize-payload", "skip-sanitize-payload"].includes(token)) {
      set.flags.push(token);
      continue;
    }
    if (token === "allkeys" || token === "~*") {
      set.allKeys = true;
      set.keys.push("*");
    } else if (token === "allcommands" || token === "+@all") {
      set.allCommands = true;
      set.categories.push("+@all");
    } else if (token === "allchannels" || token === "&*") set.channels.push("*");
    else if (token.startsWith("%R~")) set.readKeys.push(token.slice(3));
    else if (token.startsWith("%W~")) set.writeKeys.push(token.slice(3));
    else if (token.startsWith("%RW~")) set.keys.push(token.slice(4));
    else if (token.startsWith("~")) set.keys.push(token.slice(1));
    else if (token.startsWith("&")) set.channels.push(token.slice(1));
    else if (/^[+-]@/.test(token)) set.categories.push(token);
    else if (/^[+-][a-z]/.test(token)) set.commands.push(token);
    else set.other.push(token);
  }
  return set;
}

/** Every key pattern the user can touch in any way. */
export function redisKeyPatterns(set: RedisRuleSet): string[] {
  return [...new Set([...set.keys, ...set.readKeys, ...set.writeKeys])];
}
