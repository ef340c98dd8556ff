"""JavaScript and TypeScript: dependencies and framework build caches, proven by `package.json`."""

from __future__ import annotations

from hygiene.rules import Rule

MARKERS = ("package.json",)
# npm >= 7, yarn 1 and pnpm each leave a file of their own inside node_modules.
NODE_MODULES_INSIDE = (".package-lock.json", ".yarn-integrity", ".modules.yaml")

RULES: tuple[Rule, ...] = (
    Rule(
        "node.node-modules",
        "node",
        "dependencies",
        ("node_modules",),
        beside=MARKERS,
        inside=NODE_MODULES_INSIDE,
        recreate="npm install",
    ),
    Rule(
        "node.bower",
        "node",
        "dependencies",
        ("bower_components",),
        beside=("bower.json",),
        recreate="bower install",
    ),
    Rule("node.next", "node", "build", (".next",), beside=MARKERS, recreate="next build"),
    Rule("node.nuxt", "node", "build", (".nuxt", ".output"), beside=MARKERS, recreate="nuxt build"),
    Rule(
        "node.svelte-kit", "node", "build", (".svelte-kit",), beside=MARKERS, recreate="vite build"
    ),
    Rule(
        "node.angular",
        "node",
        "cache",
        (".angular",),
        beside=("angular.json", *MARKERS),
        recreate="ng build",
    ),
    Rule(
        "node.parcel-cache",
        "node",
        "cache",
        (".parcel-cache",),
        beside=MARKERS,
        recreate="parcel build",
    ),
    Rule(
        "node.turbo",
        "node",
        "cache",
        (".turbo",),
        beside=("turbo.json", *MARKERS),
        recreate="turbo run build",
    ),
    Rule("node.vite", "node", "cache", (".vite",), beside=MARKERS, recreate="vite"),
    Rule("node.cache", "node", "cache", (".cache",), beside=MARKERS, recreate="npm run build"),
    Rule(
        "node.docusaurus",
        "node",
        "cache",
        (".docusaurus",),
        beside=MARKERS,
        recreate="docusaurus build",
    ),
    Rule("node.astro", "node", "cache", (".astro",), beside=MARKERS, recreate="astro build"),
    Rule("node.nx", "node", "cache", (".nx",), beside=("nx.json", *MARKERS), recreate="nx build"),
    Rule("node.expo", "node", "cache", (".expo",), beside=MARKERS, recreate="expo start"),
    Rule("node.dist", "node", "build", ("dist",), beside=MARKERS, recreate="npm run build"),
    Rule(
        "node.coverage",
        "node",
        "cache",
        ("coverage", ".nyc_output"),
        beside=MARKERS,
        recreate="npm test -- --coverage",
    ),
    Rule(
        "node.storybook-static",
        "node",
        "build",
        ("storybook-static",),
        beside=MARKERS,
        recreate="storybook build",
    ),
    Rule(
        "node.test-reports",
        "node",
        "cache",
        ("playwright-report", "test-results"),
        beside=MARKERS,
        recreate="npx playwright test",
    ),
    Rule(
        "node.eslintcache",
        "node",
        "cache",
        (".eslintcache", ".stylelintcache", ".prettiercache"),
        folder=False,
        recreate="eslint --cache",
    ),
    Rule("node.tsbuildinfo", "node", "cache", ("*.tsbuildinfo",), folder=False, recreate="tsc -b"),
)
