import { assert, assertEquals } from "../_assert.ts";
import { actorName, branchRequirements, postureFacts } from "../../src/github/posture_facts.ts";
import { BranchProtectionSchema, RulesetSchema } from "../../src/github/schemas.ts";
import { ownersOf } from "../../src/github/codeowners.ts";
import type { RepoPosture } from "../../src/observations/repo.ts";

const base: RepoPosture = { repository: "o/r", defaultBranch: "main" };

Deno.test("postureFacts: CODEOWNERS parsed only when its text was read", () => {
  assertEquals(postureFacts({ ...base, codeowners: null }).codeowners, undefined);
  assertEquals(
    postureFacts({ ...base, codeowners: { path: "CODEOWNERS", sha: "s", size: 1 } }).codeowners,
    undefined,
  );
  const text = "* @o/all\n/.github/workflows/ @o/release\n";
  const rules = postureFacts({
    ...base,
    codeowners: { path: ".github/CODEOWNERS", sha: "s", size: text.length, text },
  }).codeowners;
  assert(rules);
  assertEquals(ownersOf(rules, ".github/workflows/release.yml"), ["@o/release"]);
});

Deno.test("postureFacts: branch requirements only when a branch source was observed", () => {
  assertEquals(postureFacts(base).branch, undefined);
  assertEquals(
    postureFacts({ ...base, branchRules: [], branchProtection: null }).branch?.approvals,
    0,
  );
});

Deno.test("branchRequirements: the strictest of an active ruleset and classic protection wins", () => {
  const ruleset = RulesetSchema.parse({
    id: 7,
    name: "main",
    target: "branch",
    enforcement: "active",
    bypass_actors: [{ actor_id: 5, actor_type: "RepositoryRole", bypass_mode: "always" }],
    rules: [{ type: "pull_request", parameters: { required_approving_review_count: 2 } }],
  });
  const req = branchRequirements({
    ...base,
    rulesets: [ruleset],
    branchRules: [{
      type: "pull_request",
      ruleset_id: 7,
      parameters: { required_approving_review_count: 2 },
    }],
    branchProtection: BranchProtectionSchema.parse({
      enforce_admins: { enabled: true },
      required_pull_request_reviews: {
        required_approving_review_count: 1,
        require_code_owner_reviews: true,
      },
      required_status_checks: { contexts: ["ci"], checks: [{ context: "lint" }] },
    }),
  });
  assertEquals(req.approvals, 2);
  assert(req.codeOwnerReview && req.pullRequest && req.deletionBlocked && req.forcePushBlocked);
  assertEquals(req.statusChecks, ["ci", "lint"]);
  assertEquals(req.bypass.map((b) => b.actor), ["RepositoryRole:5"]);
  // An evaluate-mode ruleset does not count.
  const evaluate = branchRequirements({
    ...base,
    rulesets: [{ ...ruleset, enforcement: "evaluate" }],
    branchRules: [{ type: "deletion", ruleset_id: 7 }],
    branchProtection: null,
  });
  assertEquals([evaluate.deletionBlocked, evaluate.bypass], [false, []]);
  assertEquals(actorName({ actor_id: null, actor_type: "DeployKey" }), "DeployKey");
});
