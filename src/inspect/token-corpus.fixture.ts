/**
 * Calibration corpus for the token estimator (test-only). Varied on purpose: prose, code, data,
 * numbers, non-Latin scripts and mixtures, roughly in the proportions chat traffic shows them.
 */
export const TOKEN_CORPUS: readonly { readonly name: string; readonly text: string }[] = [
  {
    name: 'english prose',
    text: `The old lighthouse stood at the edge of the cliff, its white paint peeling after decades of salt and wind. Every evening, the keeper climbed the one hundred and twelve steps to light the lamp, even though ships had long since switched to satellite navigation. He said it was not about the ships anymore; it was about keeping a promise he had made to his father, who had kept the same light for forty years before him.`,
  },
  {
    name: 'english business email',
    text: `Hi Sarah,

Thanks for sending over the Q3 report. I've reviewed the numbers and have a few questions before Thursday's meeting:

1. Why did customer acquisition costs increase by 18% compared to last quarter?
2. Can we break down the churn rate by region?
3. Is the marketing budget reallocation already reflected in these figures?

Let me know if you'd prefer to discuss this over a quick call instead.

Best regards,
Michael`,
  },
  {
    name: 'technical explanation',
    text: `A hash map stores key-value pairs in an array of buckets. When you insert a key, the map computes a hash of the key and uses it (modulo the number of buckets) to pick a bucket. Collisions happen when two keys land in the same bucket; they are usually resolved by chaining (each bucket holds a linked list) or by open addressing (probe the next free slot). The average lookup is O(1), but the worst case degrades to O(n) when many keys collide, which is why good hash functions and resizing at a load factor of about 0.75 matter.`,
  },
  {
    name: 'chat question',
    text: `can you help me write a python script that reads a csv file and prints the average of the "price" column? the file is kinda big (like 2GB) so it shouldn't load everything into memory at once. thanks!!`,
  },
  {
    name: 'typescript code',
    text: `import { readFile } from 'node:fs/promises';

export interface User {
  id: string;
  email: string;
  createdAt: Date;
  roles: readonly string[];
}

export async function loadUsers(path: string): Promise<User[]> {
  const raw = await readFile(path, 'utf8');
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed)) throw new TypeError(\`expected an array in \${path}\`);
  return parsed.map((entry) => ({
    id: String(entry.id),
    email: String(entry.email).toLowerCase(),
    createdAt: new Date(entry.created_at),
    roles: Array.isArray(entry.roles) ? entry.roles.map(String) : [],
  }));
}`,
  },
  {
    name: 'python code',
    text: `import csv
from statistics import mean


def average_price(path: str) -> float:
    """Stream the file so memory stays flat for large inputs."""
    total = 0.0
    count = 0
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            try:
                total += float(row["price"])
                count += 1
            except (KeyError, ValueError):
                continue
    return total / count if count else float("nan")


if __name__ == "__main__":
    print(f"{average_price('items.csv'):.2f}")`,
  },
  {
    name: 'sql',
    text: `SELECT c.customer_id,
       c.full_name,
       COUNT(o.order_id) AS order_count,
       SUM(o.total_amount) AS lifetime_value
FROM customers AS c
LEFT JOIN orders AS o ON o.customer_id = c.customer_id
WHERE c.created_at >= DATE '2023-01-01'
GROUP BY c.customer_id, c.full_name
HAVING COUNT(o.order_id) > 3
ORDER BY lifetime_value DESC
LIMIT 50;`,
  },
  {
    name: 'rust code',
    text: `use std::collections::HashMap;

fn word_counts(text: &str) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_repeated_words() {
        let counts = word_counts("a b a");
        assert_eq!(counts["a"], 2);
        assert_eq!(counts.get("c"), None);
    }
}`,
  },
  {
    name: 'shell session',
    text: `$ docker compose up -d postgres redis
[+] Running 2/2
 ✔ Container app-postgres-1  Started                                   0.8s
 ✔ Container app-redis-1     Started                                   0.6s
$ psql "postgresql://app:secret@localhost:5432/app" -c "\\dt"
          List of relations
 Schema |    Name     | Type  | Owner
--------+-------------+-------+-------
 public | migrations  | table | app
 public | users       | table | app
(2 rows)`,
  },
  {
    name: 'json',
    text: `{"id":"evt_1NxQ2bH8","type":"invoice.paid","created":1696512345,"livemode":false,"data":{"object":{"amount_due":4999,"amount_paid":4999,"currency":"usd","customer":"cus_OkL93mZ","lines":[{"description":"Pro plan (monthly)","quantity":1,"unit_amount":4999}],"status":"paid"}},"request":{"id":null,"idempotency_key":"7f3c9a0e-2b41-4d8e-9c57-1a6f0e3b2d98"}}`,
  },
  {
    name: 'pretty json',
    text: `{
  "model": "gpt-4o-mini",
  "temperature": 0.2,
  "messages": [
    {
      "role": "system",
      "content": "You are a helpful assistant."
    },
    {
      "role": "user",
      "content": "Summarize the attached meeting notes in three bullet points."
    }
  ],
  "max_tokens": 512,
  "stream": true
}`,
  },
  {
    name: 'yaml config',
    text: `server:
  listen: "0.0.0.0:8080"
  request_timeout_ms: 120000
providers:
  - name: openai
    kind: openai
    base_url: https://api.openai.com/v1
    models: [gpt-4o, gpt-4o-mini]
  - name: onprem
    kind: ollama
    base_url: http://10.0.4.21:11434/v1
    models: ["llama3.1:8b"]
routing:
  default: openai/gpt-4o-mini`,
  },
  {
    name: 'csv numbers',
    text: `date,open,high,low,close,volume
2024-03-01,179.55,180.53,177.38,179.66,73488997
2024-03-04,176.15,176.90,173.79,175.10,81510101
2024-03-05,170.76,172.04,169.62,170.12,95132355
2024-03-06,171.06,171.24,168.68,169.12,68587707
2024-03-07,169.15,170.73,168.49,169.00,71765061
2024-03-08,169.00,173.70,168.94,170.73,76114634`,
  },
  {
    name: 'math and numbers',
    text: `Compute 123456789 * 987654321 = 121932631112635269. Then divide by 3.14159265358979 and round to 6 decimals: 38812676470566.236954. The ratio 22/7 ≈ 3.142857, while 355/113 ≈ 3.1415929, accurate to 7 digits. In 2023, revenue grew from $1,250,000 to $1,587,500 (+27%).`,
  },
  {
    name: 'log lines',
    text: `2024-05-14T09:21:07.412Z INFO  [http] GET /v1/models 200 3ms req_id=8c1f2e
2024-05-14T09:21:08.019Z WARN  [pool] upstream=api.openai.com latency_ms=2350 retries=1
2024-05-14T09:21:08.733Z ERROR [forward] provider=claude status=529 message="Overloaded" attempt=2/3
2024-05-14T09:21:09.102Z INFO  [router] decided_by=rule rule=pii-stays-home provider=onprem model=llama3.1:8b`,
  },
  {
    name: 'markdown',
    text: `## Installation

Run \`npm install switchyard\` and create a \`switchyard.yaml\`:

- **providers**: the upstream APIs and their models
- **routing**: rules, preferences and the default target
- **identity**: API keys or JWT settings

> Note: secrets are read from the environment, e.g. \`$OPENAI_API_KEY\`.

| flag | meaning |
|------|---------|
| \`--config\` | path to the YAML file |
| \`--port\` | overrides \`server.listen\` |`,
  },
  {
    name: 'html',
    text: `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Status</title>
    <link rel="stylesheet" href="/assets/app.css" />
  </head>
  <body class="dark">
    <main id="root">
      <h1>All systems operational</h1>
      <p>Last checked <time datetime="2024-05-14T09:21:07Z">2 minutes ago</time>.</p>
    </main>
    <script type="module" src="/assets/app.js"></script>
  </body>
</html>`,
  },
  {
    name: 'chinese',
    text: `人工智能正在改变我们的工作方式。许多公司开始使用大型语言模型来自动回复客户邮件、总结会议记录以及编写代码。不过，专家提醒，这些模型有时会产生看似合理但实际上错误的答案，因此在关键业务中仍需要人工审核。`,
  },
  {
    name: 'japanese',
    text: `東京の天気は明日から崩れる見込みです。週末は雨が続くため、外出の際は傘をお持ちください。また、気温も下がるので、体調管理に気をつけましょう。`,
  },
  {
    name: 'korean',
    text: `안녕하세요. 이번 주 금요일 회의는 오후 3시로 변경되었습니다. 참석이 어려우신 분은 목요일까지 알려 주시기 바랍니다. 감사합니다.`,
  },
  {
    name: 'german',
    text: `Sehr geehrte Damen und Herren, hiermit möchte ich meine Bestellung vom 12. März stornieren. Die Lieferung ist leider immer noch nicht eingetroffen, und ich benötige die Artikel nicht mehr. Bitte überweisen Sie den Betrag von 89,90 € auf mein Konto. Mit freundlichen Grüßen`,
  },
  {
    name: 'french',
    text: `Bonjour à tous ! Je voulais vous remercier pour votre accueil chaleureux lors de mon premier jour. L'équipe est formidable, et j'ai hâte de travailler avec vous sur le nouveau projet. N'hésitez pas à me contacter si vous avez des questions.`,
  },
  {
    name: 'spanish',
    text: `¿Podrías explicarme cómo funciona la fotosíntesis? Sé que las plantas usan la luz del sol, pero no entiendo qué pasa con el dióxido de carbono y el agua. Necesito entenderlo para mi examen de biología del próximo miércoles.`,
  },
  {
    name: 'russian',
    text: `Привет! Подскажите, пожалуйста, как настроить резервное копирование базы данных PostgreSQL каждую ночь? Сервер работает под Ubuntu 22.04, а бэкапы нужно хранить минимум тридцать дней.`,
  },
  {
    name: 'mixed english chinese',
    text: `Please translate the following into English: 我们下周二要发布新版本，请确保所有测试都通过。Also add a note that the release is v2.4.0 and the changelog is in CHANGELOG.md.`,
  },
  {
    name: 'emoji chat',
    text: `omg that concert was AMAZING 🎉🎶 we were right at the front!! 😍 can't believe they played the old songs too 🔥🔥 next time you HAVE to come 🙌`,
  },
  {
    name: 'urls and paths',
    text: `See https://github.com/example-org/switchyard/blob/main/src/routing/decide.ts#L42 and https://docs.example.com/v2/reference/chat-completions?lang=node. Local copy at /home/dev/projects/switchyard/node_modules/.cache/vitest/results.json or C:\\Users\\dev\\AppData\\Local\\Temp\\build-3f9a.log.`,
  },
  {
    name: 'identifiers and hashes',
    text: `commit 3f9a1c7e2b8d4f60a5c19e7d2b4a8f0c6e1d3b5a
Author: Dana Kim <dana@example.com>
Merge: 9e2b41c 7d10fa3
uuid=550e8400-e29b-41d4-a716-446655440000 sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`,
  },
  {
    name: 'base64 blob',
    text: `data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAABHNCSVQICAgIfAhkiAAAAAlwSFlzAAALEgAACxIB0t1+/AAAABx0RVh0U29mdHdhcmUAQWRvYmUgRmlyZXdvcmtzIENTNui8sowAAAAWdEVYdENyZWF0aW9uIFRpbWUAMDcvMTIvMTLOMqf2AAAAP0lEQVQ4jWNgGAWDFvzHAw7/`,
  },
  {
    name: 'long english article',
    text: `Remote work has moved from a perk to a default for many knowledge workers, and the change has exposed both the strengths and the weaknesses of how teams communicate. Written updates, once an afterthought, now carry most of the coordination load. Teams that write clearly tend to make decisions faster, because a well-structured document lets people disagree with specific points instead of talking past each other in meetings.

At the same time, the loss of informal conversation is real. New employees in particular report that they find it harder to learn the unwritten rules of an organization: who to ask, which processes actually matter, and how much polish a draft needs before it is shared. Some companies respond by scheduling "virtual coffee" sessions; others pair every new hire with a mentor for the first three months.

The research so far suggests there is no single right answer. Productivity measures vary widely across roles, and self-reported satisfaction often diverges from what managers observe. What does seem consistent is that clarity about expectations — when to be online, how quickly to respond, where decisions are recorded — reduces friction more than any particular tool does.`,
  },
  {
    name: 'system prompt',
    text: `You are a customer support assistant for Acme Cloud. Answer only questions about Acme products. If the user asks about billing, collect their account ID and escalate to a human agent. Never reveal internal pricing, never promise refunds, and always respond in the user's language. Keep answers under 120 words unless the user explicitly asks for more detail.`,
  },
];
