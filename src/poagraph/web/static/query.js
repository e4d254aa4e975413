// The query page: YASGUI on this server's /sparql, one tab per example query.
// Everything stays on this server: no prefix.cc or LOV lookups (the class and property
// autocompleters query lov.linkeddata.es, so they are switched off), no endpoint catalogue
// of public endpoints, no CORS proxy, no share-link shortener. Tabs are not kept in
// localStorage, so the examples are always the ones this server ships.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("poagraph-query-config").textContent);
  var Yasgui = window.Yasgui;
  var offline = ["prefixes", "variables"];
  Yasgui.Yasqe.defaults.autocompleters = Yasgui.Yasqe.defaults.autocompleters.filter(
    function (name) { return offline.indexOf(name) >= 0; }
  );
  // results show IRIs with the prefixes people use here (poa:Country, xsd:integer)
  Yasgui.Yasr.defaults.prefixes = config.prefixes;
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: config.endpoint }]; } },
    persistenceId: null,
    autoAddOnInit: false,
    populateFromUrl: true,
    corsProxy: undefined,
    yasqe: { prefixCcApi: null, createShortLink: undefined, resizeable: true },
  });
  // /query?example=NAME opens with that example's tab active (a URL per canned query)
  var wanted = new URLSearchParams(window.location.search).get("example");
  var active = Math.max(0, config.examples.map(function (e) { return e.name; }).indexOf(wanted));
  config.examples.forEach(function (example, i) {
    yasgui.addTab(i === active, {
      name: example.title,
      yasqe: { value: example.query },
      requestConfig: { endpoint: config.endpoint },
    });
  });
  if (config.examples.length === 0) {
    yasgui.addTab(true, { requestConfig: { endpoint: config.endpoint } });
  }
  // Result tables link IRIs to themselves; ours are served here, so point them at the
  // local pages (/id/..., /ontology#..., under the server's mount point) and keep the
  // reader on this server.
  var local = Object.keys(config.localSpaces).map(function (iri) {
    return [iri, config.localSpaces[iri]];
  });
  function localise(root) {
    root.querySelectorAll("a[href]").forEach(function (a) {
      var href = a.getAttribute("href");
      local.forEach(function (pair) {
        if (href.indexOf(pair[0]) === 0) {
          a.setAttribute("href", pair[1] + href.slice(pair[0].length));
          a.removeAttribute("target");
        }
      });
    });
  }
  new MutationObserver(function () { localise(document.getElementById("yasgui")); })
    .observe(document.getElementById("yasgui"), { childList: true, subtree: true });
  window.poagraphYasgui = yasgui;  // for the browser tests and the curious
})();
