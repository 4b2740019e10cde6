// The sandbox page: a WeChat chat with this account. Every action goes to /sandbox/api/*, which
// signs (and in safe mode encrypts) the XML WeChat would send and posts it to the real webhook.
// What the API emulator records for the follower (customer-service and template messages)
// reaches the page through one long poll (/emulator/_records?wait=…): an idle page makes one
// request every WAIT_SECONDS, not several a second. Text is always set with textContent; the
// one markup WeChat shows in a text, <a href="http(s)://…">…</a>, becomes a real link.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("sandbox-data").textContent);
  const $ = (id) => document.getElementById(id);
  const chat = $("chat");
  const WAIT_SECONDS = 25;
  const RETRY_MS = [1000, 2000, 5000, 10000, 30000];  // after a failed poll, longer each time
  const STORE = "xinbao-sandbox";
  const LINK = /<a\s+href\s*=\s*(["'])(https?:\/\/[^"'<>\s]+)\1\s*>([^<]*)<\/a>/gi;

  const state = loadState();
  let listening = null;  // the AbortController of the open long poll
  let inFlight = 0;  // messages sent whose passive reply has not been shown yet
  let held = [];  // records that arrived meanwhile: WeChat shows the passive reply first

  // --- state kept in the browser: followers, their transcripts and record cursors ---------
  function loadState() {
    let saved = {};
    try { saved = JSON.parse(localStorage.getItem(STORE) || "{}"); } catch (e) { saved = {}; }
    return {
      followers: saved.followers || data.followers,
      current: saved.current || data.followers[0].openid,
      menu: saved.menu || 0,
      transcripts: saved.transcripts || {},
      cursors: saved.cursors || {},
      subscribed: {},
    };
  }
  function save() {
    const { subscribed, ...kept } = state;
    localStorage.setItem(STORE, JSON.stringify(kept));
  }
  const openid = () => state.current;
  const transcript = () => (state.transcripts[openid()] = state.transcripts[openid()] || []);

  // --- drawing the chat -------------------------------------------------------------------
  function add(entry) {
    transcript().push(entry);
    save();
    draw(entry);
  }
  function row(mine) {
    const line = document.createElement("div");
    line.className = "row" + (mine ? " mine" : "");
    const avatar = document.createElement("div");
    avatar.className = "avatar";
    avatar.textContent = mine ? "我" : "信";
    line.appendChild(avatar);
    return line;
  }
  function bubble(kind, tag) {
    const box = document.createElement("div");
    box.className = "bubble " + kind;
    box.dataset.kind = kind;
    if (tag) {
      const label = document.createElement("span");
      label.className = "tag";
      label.textContent = tag;
      box.appendChild(label);
    }
    return box;
  }
  // A text as WeChat shows it: links written <a href="http(s)://…">label</a> are links;
  // anything else, markup included, is text.
  function richText(box, text) {
    let at = 0;
    for (const match of text.matchAll(LINK)) {
      box.appendChild(document.createTextNode(text.slice(at, match.index)));
      const link = document.createElement("a");
      link.href = match[2];
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = match[3] || match[2];
      box.appendChild(link);
      at = match.index + match[0].length;
    }
    box.appendChild(document.createTextNode(text.slice(at)));
    return box;
  }
  function draw(entry) {
    if (entry.note) {
      const note = document.createElement("div");
      note.className = "note";
      note.textContent = entry.note;
      chat.appendChild(note);
      chat.scrollTop = chat.scrollHeight;
      return;
    }
    const line = row(entry.mine);
    let box;
    if (entry.type === "news") {
      box = bubble("news", entry.tag);
      const title = document.createElement("div");
      title.className = "news-title";
      title.textContent = entry.title;
      box.appendChild(title);
      if (entry.image) {
        const img = document.createElement("img");
        img.src = entry.image;
        img.alt = "";
        box.appendChild(img);
      }
      const description = document.createElement("div");
      description.className = "news-description";
      description.textContent = entry.description;
      box.appendChild(description);
      const link = document.createElement("a");
      link.href = entry.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = "阅读全文";
      box.appendChild(link);
    } else if (entry.type === "image") {
      box = bubble("image", entry.tag);
      const img = document.createElement("img");
      img.src = entry.src;
      img.alt = entry.mine ? "我发送的照片" : "图片";
      box.appendChild(img);
    } else {
      box = bubble(entry.kind || "text", entry.tag);
      // The follower's own words are shown as typed; the account's may carry links.
      if (entry.mine) box.appendChild(document.createTextNode(entry.content));
      else richText(box, entry.content);
    }
    line.appendChild(box);
    chat.appendChild(line);
    chat.scrollTop = chat.scrollHeight;
  }
  function redraw() {
    chat.replaceChildren();
    transcript().forEach(draw);
  }

  // --- talking to the sandbox endpoints ---------------------------------------------------
  async function send(action, fields, shown) {
    if (shown) add(shown);
    inFlight += 1;
    try {
      const response = await fetch("/sandbox/api/send", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ openid: openid(), action, ...fields }),
      });
      const body = await response.json();
      if (!response.ok) {
        add({ note: "出错：" + (body.error ? body.error.message : response.status) });
        return;
      }
      setSubscribed(body.subscribed);
      showReply(body.reply);
    } catch (error) {
      add({ note: "网络错误：" + error });
    } finally {
      replied();
    }
  }
  function replied() {
    inFlight -= 1;
    if (inFlight > 0) return;
    const waiting = held;
    held = [];
    waiting.forEach(showRecord);
  }
  function showReply(reply) {
    if (!reply || reply.type === "none") return;
    if (reply.type === "image") {
      add({ type: "image", src: "/sandbox/media/" + encodeURIComponent(reply.media_id) });
    } else if (reply.type === "news") {
      add({ type: "news", title: reply.title, description: reply.description, url: reply.url,
            image: reply.image });
    } else {
      add({ type: "text", content: reply.content });
    }
  }

  // What the emulator records for this follower, as it comes: one long poll at a time, for
  // the follower shown. Records that arrive while a passive reply is awaited wait for it.
  async function listen() {
    if (listening) listening.abort();
    const control = new AbortController();
    listening = control;
    const who = openid();
    let failures = 0;
    while (!control.signal.aborted) {
      try {
        const since = state.cursors[who] || 0;
        const response = await fetch(
          `/emulator/_records?touser=${encodeURIComponent(who)}&since=${since}` +
          `&wait=${WAIT_SECONDS}`, { signal: control.signal });
        if (!response.ok) throw new Error(String(response.status));
        const records = await response.json();
        if (control.signal.aborted) return;
        failures = 0;
        for (const record of records) {
          state.cursors[who] = record.index + 1;
          if (inFlight > 0) held.push(record); else showRecord(record);
        }
        save();
      } catch (error) {
        if (control.signal.aborted) return;
        const delay = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)];
        failures += 1;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
  function showRecord(record) {
    if (record.kind === "sms") {  // the development SMS provider: what the phone would get
      add({ type: "text", kind: "sms", tag: `短信 → ${record.mobile}（开发环境）`,
            content: record.text });
      return;
    }
    if (record.kind === "tag") {  // tagged 已绑定企业: WeChat now shows the conditional menu
      const tagged = record.action === "tag";
      add({ note: tagged ? "已打上标签，显示企业版菜单" : "已取消标签，恢复默认菜单" });
      state.menu = tagged && data.menus.length > 1 ? 1 : 0;
      $("menu-select").value = state.menu;
      save();
      drawMenu();
      return;
    }
    if (record.kind === "template") {
      const fields = Object.entries(record.data || {})
        .map(([name, item]) => `${name}：${item && item.value !== undefined ? item.value : item}`);
      add({ type: "text", kind: "template", tag: "模板消息", content: fields.join("\n") });
      return;
    }
    const tag = "客服消息";
    if (record.msgtype === "text") {
      add({ type: "text", kind: "custom", tag, content: record.text.content });
    } else if (record.msgtype === "image") {
      add({ type: "image", tag, src: "/sandbox/media/" + encodeURIComponent(record.image.media_id) });
    } else if (record.msgtype === "news") {
      const article = record.news.articles[0] || {};
      add({ type: "news", tag, title: article.title, description: article.description,
            url: article.url, image: article.picurl });
    } else {
      add({ type: "text", kind: "custom", tag, content: JSON.stringify(record) });
    }
  }
  async function startCursor() {
    // A follower seen for the first time: earlier records are not part of this chat. A cursor
    // past the last record (the emulator restarted and counts from 0 again) starts over too.
    const who = openid();
    const response = await fetch(`/emulator/_records?touser=${encodeURIComponent(who)}`);
    const records = response.ok ? await response.json() : [];
    const next = records.length ? records[records.length - 1].index + 1 : 0;
    if (state.cursors[who] === undefined || state.cursors[who] > next) state.cursors[who] = next;
    save();
  }
  async function refreshFollower() {
    const response = await fetch("/sandbox/api/follower?openid=" + encodeURIComponent(openid()));
    if (response.ok) setSubscribed((await response.json()).subscribed);
  }
  function setSubscribed(subscribed) {
    state.subscribed[openid()] = subscribed;
    $("follow-banner").hidden = subscribed;
  }

  // --- the menu at the bottom -------------------------------------------------------------
  function drawMenu() {
    const menu = data.menus[state.menu] || data.menus[0];
    const tops = $("tops");
    tops.replaceChildren();
    menu.buttons.forEach((button) => {
      const top = document.createElement("button");
      top.type = "button";
      top.className = "top-button" + (button.sub_button ? " has-subs" : "");
      if (button.sub_button) top.setAttribute("aria-expanded", "false");
      top.dataset.name = button.name;
      top.textContent = button.name;
      top.addEventListener("click", () =>
        button.sub_button ? toggleSubMenu(top, button.sub_button) : tap(button));
      tops.appendChild(top);
    });
  }
  function toggleSubMenu(top, subs) {
    const panel = $("sub-menu");
    const open = !panel.hidden && panel.dataset.parent === top.dataset.name;
    closeSubMenu();
    if (open) return;
    panel.replaceChildren();
    panel.dataset.parent = top.dataset.name;
    subs.forEach((sub) => {
      const item = document.createElement("button");
      item.type = "button";
      item.className = "sub-button";
      item.dataset.name = sub.name;
      item.textContent = sub.name;
      item.addEventListener("click", () => { closeSubMenu(); tap(sub); });
      panel.appendChild(item);
    });
    panel.hidden = false;
    top.setAttribute("aria-expanded", "true");
    // Above its top button, as WeChat draws it, and inside the phone.
    const phone = $("phone").getBoundingClientRect();
    const box = top.getBoundingClientRect();
    const width = panel.getBoundingClientRect().width;
    const centre = box.left - phone.left + box.width / 2 - width / 2;
    panel.style.left = Math.max(4, Math.min(centre, phone.width - width - 24)) + "px";
  }
  function closeSubMenu() {
    $("sub-menu").hidden = true;
    document.querySelectorAll(".top-button[aria-expanded]").forEach(
      (button) => button.setAttribute("aria-expanded", "false"));
  }
  function tap(button) {
    if (button.type === "click") {
      send("click", { key: button.key }, { note: `点击菜单「${button.name}」` });
    } else if (button.type === "view") {
      add({ note: `打开网页「${button.name}」：${button.url}` });
      send("view", { url: button.url });
    } else if (button.type === "miniprogram") {
      add({ note: `打开小程序「${button.name}」` });
      send("menu_event", { event: "view_miniprogram", key: button.pagepath });
    } else if (button.type === "location_select") {
      sendLocation();
      send("menu_event", { event: "location_select", key: button.key });
    } else {
      send("menu_event", { event: button.type, key: button.key }, { note: `菜单「${button.name}」` });
    }
  }

  // --- the keyboard, the extras and following ---------------------------------------------
  function showInput(input) {
    $("menu-bar").hidden = input;
    $("input-bar").hidden = !input;
    closeSubMenu();
    $("extras").hidden = true;
    if (input) $("text-input").focus();
  }
  function sendLocation() {
    const place = { latitude: 29.8683, longitude: 121.544, label: "浙江省宁波市鄞州区" };
    send("location", place, { type: "text", mine: true, content: "[位置] " + place.label });
  }
  async function sendPhoto(file) {
    const form = new FormData();
    form.append("openid", openid());
    form.append("photo", file);
    inFlight += 1;
    try {
      const response = await fetch("/sandbox/api/photo", { method: "POST", body: form });
      const body = await response.json();
      if (!response.ok) {
        add({ note: "出错：" + body.error.message });
        return;
      }
      add({ type: "image", mine: true,
            src: "/sandbox/media/" + encodeURIComponent(body.media_id) });
      showReply(body.reply);
    } catch (error) {
      add({ note: "网络错误：" + error });
    } finally {
      replied();
    }
  }
  function scan(scene) {
    if (!scene) return;
    send("scan", { scene }, { note: `扫描二维码（场景 ${scene}）` });
  }

  // --- followers ---------------------------------------------------------------------------
  function drawFollowers() {
    const select = $("follower-select");
    select.replaceChildren();
    state.followers.forEach((follower) => {
      const option = document.createElement("option");
      option.value = follower.openid;
      option.textContent = follower.name;
      select.appendChild(option);
    });
    select.value = state.current;
  }
  async function switchTo(who) {
    state.current = who;
    save();
    drawFollowers();
    redraw();
    await startCursor();
    await refreshFollower();
    listen();
  }

  // --- wiring ------------------------------------------------------------------------------
  data.menus.forEach((menu, index) => {
    const option = document.createElement("option");
    option.value = index;
    option.textContent = menu.name;
    if (menu.description) option.title = menu.description;
    $("menu-select").appendChild(option);
  });
  $("menu-select").value = state.menu;
  $("menu-select").addEventListener("change", (event) => {
    state.menu = Number(event.target.value);
    save();
    drawMenu();
  });
  $("follower-select").addEventListener("change", (event) => switchTo(event.target.value));
  $("add-follower").addEventListener("click", () => {
    const number = state.followers.length + 1;
    const follower = { openid: "o-sandbox-" + Math.random().toString(36).slice(2, 10),
                       name: `模拟关注者 ${number}` };
    state.followers.push(follower);
    switchTo(follower.openid);
  });
  $("clear-chat").addEventListener("click", () => { state.transcripts[openid()] = []; save(); redraw(); });
  $("toggle-input").addEventListener("click", () => showInput(true));
  $("toggle-menu").addEventListener("click", () => showInput(false));
  $("extras-button").addEventListener("click", () => { $("extras").hidden = !$("extras").hidden; });
  $("input-bar").addEventListener("submit", (event) => {
    event.preventDefault();
    const content = $("text-input").value.trim();
    if (!content) return;
    $("text-input").value = "";
    send("text", { content }, { type: "text", mine: true, content });
  });
  $("follow-button").addEventListener("click", () =>
    send("subscribe", {}, { note: "关注公众号" }));
  $("follow-scan-button").addEventListener("click", () => scan($("follow-scene").value.trim()));
  $("scan-button").addEventListener("click", () => { $("extras").hidden = true; scan($("scan-scene").value.trim()); });
  $("location-button").addEventListener("click", () => { $("extras").hidden = true; sendLocation(); });
  $("unsubscribe-button").addEventListener("click", () => {
    $("extras").hidden = true;
    send("unsubscribe", {}, { note: "取消关注" });
  });
  $("photo-input").addEventListener("change", (event) => {
    $("extras").hidden = true;
    if (event.target.files[0]) sendPhoto(event.target.files[0]);
    event.target.value = "";
  });

  drawMenu();
  switchTo(state.current).then(() => { document.body.dataset.ready = "1"; });
})();
