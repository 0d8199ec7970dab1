// RCRP Toolkit: initialise GOV.UK and MOJ Frontend components. Page behaviour lives in small
// static modules (no inline handlers: the Content-Security-Policy forbids them).
import { initAll } from "../vendor/govuk/govuk-frontend.min.js";

initAll();
