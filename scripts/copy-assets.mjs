// Copy GOV.UK Frontend's JavaScript and images (not its fonts) into the app's static folder.
import { cpSync, mkdirSync, rmSync } from "node:fs";

const from = "node_modules/govuk-frontend/dist/govuk";
const to = "assessment_app/static/govuk";
rmSync(to, { recursive: true, force: true });
mkdirSync(`${to}/assets`, { recursive: true });
cpSync(`${from}/govuk-frontend.min.js`, `${to}/govuk-frontend.min.js`);
cpSync(`${from}/assets/images`, `${to}/assets/images`, { recursive: true });
cpSync(`${from}/assets/manifest.json`, `${to}/assets/manifest.json`);
