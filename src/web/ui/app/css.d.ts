/** Stylesheets imported for their effect: Bun.build bundles them into app.css. */
declare module "*.css";
