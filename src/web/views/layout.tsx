/**
 * Page frame: landmarks, skip link, navigation, stylesheet and feed discovery links.
 *
 * @module
 */
import type { Child } from "hono/jsx";
import { STYLE_PATH } from "../style.ts";
import { displayText } from "../../display.ts";

/** Props of {@link Layout}. */
export interface LayoutProps {
  siteTitle: string;
  title: string;
  /** Feed base path, `""` for global or `/projects/x` for a project. */
  feedBase?: string;
  children?: Child;
}

/**
 * The HTML document around a page's content.
 *
 * @example
 * ```tsx
 * <Layout siteTitle="Release auditor" title="Status"><h1>Status</h1></Layout>
 * ```
 */
export function Layout(props: LayoutProps) {
  const site = displayText(props.siteTitle, 200);
  const feed = props.feedBase ?? "";
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${displayText(props.title, 200)} · ${site}`}</title>
        <link rel="stylesheet" href={STYLE_PATH} />
        <link
          rel="alternate"
          type="application/atom+xml"
          title="Atom feed"
          href={`${feed}/feed.atom`}
        />
        <link
          rel="alternate"
          type="application/feed+json"
          title="JSON Feed"
          href={`${feed}/feed.json`}
        />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <nav aria-label="Main">
            <a href="/">{site}</a>
            <a href="/ledger">Ledger</a>
            <a href="/feed.atom">Atom</a>
            <a href="/feed.json">JSON Feed</a>
          </nav>
        </header>
        <main id="main">{props.children}</main>
        <footer>
          <p>
            Read-only view of the auditor's state and its signed ledger. Verify it with{" "}
            <code>ledger verify</code> against <a href="/ledger/checkpoint">the checkpoint</a>.
          </p>
        </footer>
      </body>
    </html>
  );
}
