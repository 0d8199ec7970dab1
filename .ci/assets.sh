#!/bin/sh
# Copy the built GOV.UK Frontend, MOJ Frontend, htmx and Chart.js files from node_modules into static/vendor.
# Run by `make assets` after `npm ci`. static/vendor is not committed.
set -eu
NM=node_modules; DEST=static/vendor
rm -rf "$DEST"; mkdir -p "$DEST/govuk" "$DEST/moj" "$DEST/htmx"
G=$NM/govuk-frontend/dist/govuk
cp $G/govuk-frontend.min.css $G/govuk-frontend.min.css.map $G/govuk-frontend.min.js $G/govuk-frontend.min.js.map "$DEST/govuk/"
cp -r $G/assets "$DEST/govuk/assets"
M=$NM/@ministryofjustice/frontend/moj
cp $M/moj-frontend.min.css $M/moj-frontend.min.css.map $M/moj-frontend.min.js $M/moj-frontend.min.js.map "$DEST/moj/"
cp -r $M/assets "$DEST/moj/assets"
cp $NM/htmx.org/dist/htmx.min.js "$DEST/htmx/"
# The precompiled CSS points at /assets/...; make it relative so it works under /static/.
sed -i 's#url(/assets/#url(assets/#g' "$DEST/govuk/govuk-frontend.min.css" "$DEST/moj/moj-frontend.min.css"
mkdir -p "$DEST/chartjs"
cp $NM/chart.js/dist/chart.umd.min.js $NM/chart.js/dist/chart.umd.min.js.map "$DEST/chartjs/"
