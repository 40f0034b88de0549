/** The browser bundle's files, imported as text (src/web/ui/assets.ts). */
declare module "*.txt" {
  const text: string;
  export default text;
}
