//
// swc-webui.js - <softwareCampaign> in ACME's web UI (acme-swc-plugin)
//
// ACME's page loads this script after its own. It reads the protocol values served
// beside it (values.json, generated from the plugin's init files), completes ACME's
// type and attribute tables, and wraps a few of ACME's functions: readable campaign
// attributes, the campaign's progress, a CREATE template under the CSEBase, and a PUT
// body without the attributes the CSE sets. Each patch first checks that what it needs
// exists; when ACME's web UI changed shape, the patch is left out with a warning in the
// browser console, and the stock UI works as before.
//
(function () {
  "use strict";

  const PREFIX = "acme-swc:";
  const VALUES_TIMEOUT_MS = 5000;
  const PROGRESS_ID = "acme-swc-progress";

  // What happened, for the console and the tests: patch names applied and left out.
  const report = { applied: [], skipped: [], values: null };
  window.acmeSwcWebUI = report;

  let values = null;

  // --- Looking up ACME's globals --------------------------------------------------

  // ACME declares its tables with `const` at the top of its scripts: they live in the
  // global scope but are not properties of `window`, so they are looked up by name.
  function globalValue(name) {
    try {
      return Function(`return typeof ${name} === "undefined" ? undefined : ${name}`)();
    } catch (e) {
      return undefined;
    }
  }

  function skip(patch, missing) {
    report.skipped.push(patch);
    console.warn(`${PREFIX} ${patch} left out: the web UI has no ${missing}`);
  }

  function applied(patch) {
    report.applied.push(patch);
  }

  // Run `after` once ACME's function `name` has run, with its result and arguments.
  // An error in `after` is logged and never reaches ACME's caller.
  function after(name, patch, afterwards) {
    const original = window[name];
    if (typeof original !== "function") {
      skip(patch, `function ${name}()`);
      return false;
    }
    window[name] = function (...args) {
      const result = original.apply(this, args);
      try {
        afterwards(result, ...args);
      } catch (e) {
        console.error(`${PREFIX} ${patch} failed:`, e);
      }
      return result;
    };
    return true;
  }

  function table(name, patch) {
    const found = globalValue(name);
    if (found === null || typeof found !== "object") {
      skip(patch, `table ${name}`);
      return null;
    }
    return found;
  }

  // --- Protocol values ------------------------------------------------------------

  function isCampaign(resource) {
    return !!resource && resource.ty === values.campaign.code;
  }

  function enumLabel(enumName, value) {
    const labels = values.enums[enumName] || {};
    const label = labels[String(value)];
    return label === undefined ? JSON.stringify(value) : `${label} (${value})`;
  }

  function statusLabel(value) {
    return enumLabel(values.enumOf[values.fields.status], value);
  }

  function statusName(value) {
    const labels = values.enums[values.enumOf[values.fields.status]] || {};
    return labels[String(value)] || String(value);
  }

  function attributeName(shortName) {
    if (globalValue("printLongNames") !== true) {
      return shortName;
    }
    if (shortName in values.attributes) {
      return values.attributes[shortName];
    }
    const acmeName = window.shortToLongname;
    return typeof acmeName === "function" ? acmeName(shortName) : shortName;
  }

  // A value as a person reads it: enumerations by label, one list entry per line, and
  // the members of complex values by name.
  function readable(shortName, value, depth = 0) {
    if (shortName in values.enumOf && typeof value === "number") {
      return enumLabel(values.enumOf[shortName], value);
    }
    if (Array.isArray(value)) {
      if (value.length === 0) {
        return "[]";
      }
      const items = value.map((item) => readable(null, item, depth + 1));
      return depth === 0 ? items.join("\n") : `[${items.join(", ")}]`;
    }
    if (value !== null && typeof value === "object") {
      const members = Object.entries(value).map(
        ([key, member]) => `${attributeName(key)}: ${readable(key, member, depth + 1)}`
      );
      return depth <= 1 ? members.join(", ") : `{${members.join(", ")}}`;
    }
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  // --- Patches --------------------------------------------------------------------

  function patchTypeNames() {
    const types = table("types", "type names");
    if (types) {
      for (const type of [values.campaign, values.announced]) {
        types[type.code] = type.fullName;
      }
      applied("type names");
    }
    const shortTypes = table("shortTypes", "tree labels");
    if (shortTypes) {
      for (const type of [values.campaign, values.announced]) {
        shortTypes[type.code] = type.shortName;
      }
      applied("tree labels");
    }
  }

  function patchAttributeNames() {
    const shortNames = table("shortNames", "attribute names");
    if (!shortNames) {
      return;
    }
    for (const [shortName, longName] of Object.entries(values.attributes)) {
      if (!(shortName in shortNames)) {
        shortNames[shortName] = { ln: longName, type: "" };
      }
    }
    applied("attribute names");
  }

  // ACME's table shows JSON; the campaign's own attributes are rewritten readably.
  // ACME fills one row per attribute in sorted order, which is what is relied on here.
  function patchReadableValues() {
    const done = after("fillAttributesTable", "readable values", (_, resource) => {
      if (!isCampaign(resource)) {
        return;
      }
      const rows = document.querySelectorAll("#details tbody tr");
      const keys = Object.keys(resource).sort();
      if (rows.length !== keys.length) {
        return;
      }
      keys.forEach((key, index) => {
        if (key in values.attributes && rows[index].cells.length > 1) {
          rows[index].cells[1].innerText = readable(key, resource[key]);
        }
      });
    });
    done && applied("readable values");
  }

  function progressPanel() {
    let panel = document.getElementById(PROGRESS_ID);
    if (panel) {
      return panel;
    }
    const details = document.getElementById("details");
    if (!details || !details.parentNode) {
      return null;
    }
    panel = document.createElement("div");
    panel.id = PROGRESS_ID;
    panel.hidden = true;
    details.parentNode.insertBefore(panel, details);
    return panel;
  }

  function element(tag, text, className) {
    const made = document.createElement(tag);
    if (text !== undefined) {
      made.textContent = text;
    }
    if (className) {
      made.className = className;
    }
    return made;
  }

  // A link that opens the web UI on the [software] resource, in a new tab.
  function softwareLink(id) {
    const url = new URL(window.location.href);
    const originator = document.getElementById("originator");
    url.searchParams.set("ri", id);
    if (originator && originator.value) {
      url.searchParams.set("or", originator.value);
    }
    url.searchParams.set("open", "");
    const link = element("a", id, "acme-swc-software");
    link.href = url.toString();
    link.target = "_blank";
    return link;
  }

  function renderProgress(resource) {
    const panel = progressPanel();
    if (!panel) {
      return;
    }
    panel.replaceChildren();
    panel.hidden = !isCampaign(resource);
    if (panel.hidden) {
      return;
    }
    const fields = values.fields;
    const entries = resource[fields.individualStatus] || [];
    const labels = values.enums[values.enumOf[fields.status]] || {};
    const tones = { done: 0, failed: 0, pending: 0 };
    for (const entry of entries) {
      tones[values.statusTone[String(entry[fields.status])] || "pending"] += 1;
    }

    panel.appendChild(element("h4", "Campaign progress"));
    const finished = tones.done + tones.failed;
    const summary = `${finished} of ${entries.length} targets finished, aggregated status ${readable(
      fields.aggregatedStatus,
      resource[fields.aggregatedStatus]
    )}`;
    panel.appendChild(element("p", summary, "acme-swc-summary"));

    const bar = element("div", undefined, "acme-swc-bar");
    for (const tone of ["done", "failed", "pending"]) {
      if (tones[tone] > 0) {
        const part = element("span", undefined, `acme-swc-${tone}`);
        part.style.width = `${(100 * tones[tone]) / entries.length}%`;
        bar.appendChild(part);
      }
    }
    panel.appendChild(bar);

    const counts = element("ul", undefined, "acme-swc-counts");
    for (const code of Object.keys(labels).sort((a, b) => a - b)) {
      const count = entries.filter((e) => String(e[fields.status]) === code).length;
      const item = element("li", undefined, `acme-swc-count acme-swc-${values.statusTone[code]}`);
      item.dataset.status = labels[code];
      item.classList.toggle("acme-swc-zero", count === 0);
      item.appendChild(element("span", labels[code], "acme-swc-count-label"));
      item.appendChild(element("span", String(count), "acme-swc-count-value"));
      counts.appendChild(item);
    }
    panel.appendChild(counts);

    const targets = element("table", undefined, "primary acme-swc-targets");
    const head = targets.createTHead().insertRow();
    for (const title of ["Target", "[software]", "Status"]) {
      head.appendChild(element("th", title));
    }
    const body = targets.createTBody();
    for (const entry of entries) {
      const row = body.insertRow();
      row.insertCell().textContent = entry[fields.target] || "";
      const software = row.insertCell();
      if (entry[fields.software]) {
        software.appendChild(softwareLink(entry[fields.software]));
      } else {
        software.textContent = "none";
      }
      const status = row.insertCell();
      status.textContent = statusName(entry[fields.status]);
      status.title = statusLabel(entry[fields.status]);
      status.className = `acme-swc-${values.statusTone[String(entry[fields.status])]}`;
    }
    panel.appendChild(targets);
  }

  function patchProgress() {
    if (!document.getElementById("details")) {
      skip("progress view", "attribute table #details");
      return;
    }
    const shown = after("fillAttributesTable", "progress view", (_, resource) =>
      renderProgress(resource)
    );
    const hidden = after("clearAttributesTable", "progress view", () => {
      const panel = document.getElementById(PROGRESS_ID);
      if (panel) {
        panel.hidden = true;
      }
    });
    shown && hidden && applied("progress view");
  }

  // ACME's REST pane shows its own templates first; the campaign's takes the next free
  // button when the selected resource may be the campaign's parent.
  function patchCreateTemplate() {
    const show = window.showTemplateButton;
    const buttons = globalValue("templateButtons");
    if (typeof show !== "function" || !Array.isArray(buttons)) {
      skip("create template", "showTemplateButton() or templateButtons");
      return;
    }
    const done = after("fillRequestArea", "create template", () => {
      const resource = globalValue("currentResource");
      if (globalValue("currentRestRequestMethod") !== "POST" || !resource) {
        return;
      }
      if (!values.parents.includes(resource.ty)) {
        return;
      }
      const free = buttons.findIndex((button) => button && button.style.display === "none");
      if (free < 0) {
        console.warn(`${PREFIX} no free template button for ${values.campaign.fullName}`);
        return;
      }
      show(free, values.campaign.fullName, values.createTemplate, values.campaign.code);
    });
    done && applied("create template");
  }

  function patchUpdateBody() {
    const done = after("prepareNodeForPUT", "update body", (result, _resource, typeName) => {
      if (typeName !== values.campaign.typeName || !result || !result[typeName]) {
        return;
      }
      for (const name of values.readOnly) {
        delete result[typeName][name];
      }
    });
    done && applied("update body");
  }

  function applyPatches(loaded) {
    values = loaded;
    report.values = loaded;
    for (const patch of [
      patchTypeNames,
      patchAttributeNames,
      patchReadableValues,
      patchProgress,
      patchCreateTemplate,
      patchUpdateBody,
    ]) {
      try {
        patch();
      } catch (e) {
        report.skipped.push(patch.name);
        console.error(`${PREFIX} ${patch.name} failed; the stock view stays:`, e);
      }
    }
  }

  // --- Start ----------------------------------------------------------------------

  function loadValues() {
    const base = document.currentScript ? document.currentScript.src : window.location.href;
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error("no answer in time")), VALUES_TIMEOUT_MS)
    );
    const request = fetch(new URL("values.json", base), { cache: "no-cache" }).then(
      (response) => {
        if (!response.ok) {
          throw new Error(`HTTP ${response.status}`);
        }
        return response.json();
      }
    );
    return Promise.race([request, timeout]);
  }

  const ready = loadValues()
    .then(applyPatches)
    .catch((e) => console.warn(`${PREFIX} protocol values not loaded; stock web UI:`, e));

  // ACME's page connects in its onload handler `setup()`: hold it until the tables are
  // complete, so that the first tree already shows campaigns by name.
  const setup = window.setup;
  if (typeof setup === "function") {
    window.setup = function (...args) {
      ready.finally(() => setup.apply(this, args));
    };
  } else {
    skip("waiting for the protocol values", "function setup()");
  }
})();
